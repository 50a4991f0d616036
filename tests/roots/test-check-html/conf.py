extensions = ["runbook"]
root_doc = "index"
exclude_patterns = ["_build"]
runbook_check_html = True
