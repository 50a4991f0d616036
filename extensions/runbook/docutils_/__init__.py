"""Docutils nodes, directives and collection, shared by Sphinx and the command's fast path."""
