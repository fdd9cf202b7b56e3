"""The folder django-simple-captcha's app is rooted at (see
``complaints/captcha_app.py``): it has no ``locale/``, so the library's
translations do not replace Django's own ("This field is required.")."""
