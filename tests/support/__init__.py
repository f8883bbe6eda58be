"""What tests share besides fixtures (those stay in the conftest files): one module per concern."""
