"""Pages of the practice app, one module per area."""
