"""Change events: their shape, the stream batch they come from, their publisher."""
