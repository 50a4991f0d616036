extensions = ["runbook", "myst_parser", "sphinx_copybutton"]
root_doc = "index"
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence"]
html_copy_source = False
