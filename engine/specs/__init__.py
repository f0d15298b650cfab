"""The registry of process diagrams and their versions."""
