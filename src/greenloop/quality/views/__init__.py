"""Pages of the air and water quality app."""
