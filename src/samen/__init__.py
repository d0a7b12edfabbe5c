"""samen: fair, checkable school-seat allocation for cities that want mixed schools."""

__version__ = "0.1.0"
