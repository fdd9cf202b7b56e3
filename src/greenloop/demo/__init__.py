"""The demo city: a fictional 辽东市 built from the figures in PRODUCT.md.

``greenloop.demo.city.build_demo_city`` fills an empty database with regions,
units, people, roles, grids, chiefs, 包保 visits, responsibility lists and
one login per role. Everything is drawn from ``random.Random(seed)``, so the
same seed gives the same city.

The package imports nothing from Django at this level: :mod:`names` and
:mod:`geometry` are plain Python and usable on their own.
"""
