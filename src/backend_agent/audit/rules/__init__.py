"""The rules: one module per bad pattern, each documenting itself in fixed sections."""
