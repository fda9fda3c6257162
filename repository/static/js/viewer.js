// Starts Mirador on the item page. The configuration comes from the page's JSON data island
// (#mirador-config) so that the Content-Security-Policy can forbid inline scripts.
//
// A search query is not handed to Mirador as `defaultSearchQuery`: Mirador 4.0.0 then runs the search
// while the window is still being built and its search panel crashes ("reading 'targetId'") until
// the reader touches it. Instead, once the manifest is loaded, the search is started the way the
// search box starts it (the `fetchSearch` action), which Mirador handles cleanly.
(function () {
  "use strict";

  function searchWhenReady(viewer, windowId, search) {
    var started = false;
    var unsubscribe = viewer.store.subscribe(function () {
      if (started) {
        return;
      }
      var state = viewer.store.getState();
      var win = state.windows[windowId];
      var manifest = win && state.manifests[win.manifestId];
      // Wait until the page image is shown (the viewer has a viewport): searching earlier is what crashes.
      if (!manifest || !manifest.json || manifest.isFetching || !win.canvasId || !state.viewers[windowId]) {
        return;
      }
      var panel = (win.companionWindowIds || []).filter(function (id) {
        return state.companionWindows[id] && state.companionWindows[id].content === "search";
      })[0];
      if (!panel) {
        return;
      }
      started = true;
      unsubscribe();
      var url = search.url + "?q=" + encodeURIComponent(search.query);
      // Mirador 4's bundle exports its actions at the top level (Mirador 3 had them under .actions).
      var fetchSearch = Mirador.fetchSearch || (Mirador.actions && Mirador.actions.fetchSearch);
      viewer.store.dispatch(fetchSearch(windowId, panel, url, search.query));
    });
  }

  function start() {
    var island = document.getElementById("mirador-config");
    if (!island || typeof Mirador === "undefined") {
      return;
    }
    var data = JSON.parse(island.textContent);
    var config = data.config;
    var viewer = Mirador.viewer(config);
    window.olketanuMirador = window.olketanuMirador || {};
    window.olketanuMirador[config.id] = viewer;
    if (data.search && data.search.query) {
      searchWhenReady(viewer, Object.keys(viewer.store.getState().windows)[0], data.search);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
