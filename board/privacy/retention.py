"""The retention policy: what the board removes once it is no longer needed."""
