"""An operation's history (docs/api.md, "History"): its entries, how they are stored, read and recorded."""
