"""An operation's history (docs/api.md): its entries, how they are stored, read and recorded."""
