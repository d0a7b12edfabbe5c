"""Doctests of the platform's modules need Django set up before the modules are imported."""

from samen.web.testing import setup_django_for_tests

setup_django_for_tests()
