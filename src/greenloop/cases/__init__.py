"""The closed loop: one case engine for every problem."""
