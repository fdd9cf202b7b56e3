"""Environmental quality: hourly and daily AQI results, air evaluations,
water sections, hotspot grids — the Django side of issues #6's kernels."""
