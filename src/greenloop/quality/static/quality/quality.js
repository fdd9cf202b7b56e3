// Filter forms of the quality pages: selects marked data-autosubmit submit
// their form when changed (the submit button stays for keyboards and no-JS).
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { if (sel.form) { sel.form.submit(); } });
  });
})();
