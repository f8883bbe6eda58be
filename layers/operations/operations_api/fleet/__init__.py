"""The fleet at a glance (docs/api.md): counts by status and operations by cluster, kept by the loop."""
