extensions = ["runbook"]
root_doc = "index"
exclude_patterns = ["_build"]
