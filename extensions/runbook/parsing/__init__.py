"""Pure functions from text to model values: targets, option values, variable references."""
