// Progressive enhancement of the results page: a changed facet checkbox or sort order applies at
// once. Without JavaScript the "Apply filters" and "Sort" buttons do the same.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) {
    return;
  }
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches(".facet input[type=checkbox], #sort")) {
      form.submit();
    }
  });
})();
