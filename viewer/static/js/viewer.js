// Starts Mirador from the JSON data island named by this script tag's data-config (written by
// viewer/templates/viewer/_mirador_embed.html), so the Content-Security-Policy can forbid inline scripts.
//
// A search query is not handed to Mirador as `defaultSearchQuery`: Mirador 4.0.0 then runs the search
// while the window is still being built and the whole window crashes ("reading 'targetId'"). Instead,
// once the page image is shown, the search is started the way the search box starts it (the
// `fetchSearch` action), which Mirador handles cleanly.
(function (script) {
  "use strict";

  // The search panel of `windowId`, once the window has its manifest, its canvas and a viewport;
  // searching any earlier is what crashes.
  function readySearchPanel(state, windowId) {
    var win = state.windows[windowId];
    var manifest = win && state.manifests[win.manifestId];
    if (!manifest || !manifest.json || manifest.isFetching || !win.canvasId || !state.viewers[windowId]) {
      return null;
    }
    return (win.companionWindowIds || []).filter(function (id) {
      return state.companionWindows[id] && state.companionWindows[id].content === "search";
    })[0] || null;
  }

  function searchWhenReady(viewer, windowId, search) {
    var started = false;
    var unsubscribe = viewer.store.subscribe(function () {
      var panel = started ? null : readySearchPanel(viewer.store.getState(), windowId);
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
    var island = document.getElementById(script.getAttribute("data-config"));
    if (!island || typeof Mirador === "undefined") {
      return;
    }
    var data = JSON.parse(island.textContent);
    var viewer = Mirador.viewer(data.config);
    // Tests and the browser console reach the viewer (its Redux store) here, by container id.
    window.olketanuMirador = window.olketanuMirador || {};
    window.olketanuMirador[data.config.id] = viewer;
    if (data.search && data.search.query) {
      searchWhenReady(viewer, Object.keys(viewer.store.getState().windows)[0], data.search);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})(document.currentScript);
