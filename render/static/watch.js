/* carepath html --watch: reload the page when the site is rebuilt. Only the copy the
   watching server sends carries this; the files written never do. */
(function () {
  // The build this page is, as the server sent it: a rebuild that lands before the
  // first poll still reloads the page.
  var seen = document.currentScript.dataset.build;
  setInterval(function () {
    fetch("/__carepath/build", { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (build) {
        if (build !== seen) { location.reload(); }
      })
      .catch(function () {});
  }, 500);
})();
