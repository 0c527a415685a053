"""Tables of the dues app."""
