// Marks the main-menu link of the current section (the longest link path
// that starts the page's path), for the eye and for screen readers.
(function () {
  "use strict";
  var nav = document.getElementById("main-nav");
  if (!nav) { return; }
  var here = window.location.pathname, best = null, bestLength = 0;
  nav.querySelectorAll("a[href]").forEach(function (a) {
    var path = new URL(a.href, window.location.href).pathname;
    var matches = path === "/" ? here === "/" : here.indexOf(path) === 0;
    if (matches && path.length > bestLength) { best = a; bestLength = path.length; }
  });
  if (best) { best.setAttribute("aria-current", "page"); }
})();
