"""Tables of the orglife app."""
