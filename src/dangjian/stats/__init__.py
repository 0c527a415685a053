"""Statistics: indicators over an org's subtree as of any date; dashboards and annual tables later."""
