"""Sources turn inputs into `Article` values; one module per input kind."""
