extensions = ["runbook", "sphinx_copybutton"]
root_doc = "index"
exclude_patterns = ["_build"]
