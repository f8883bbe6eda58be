// opsctl console: the list and the overview keep themselves current. Every data-auto-refresh seconds the page
// is fetched again from the console (never from the API: the browser holds no credentials) and its
// [data-refreshed] part swapped in; the bar says when it last refreshed. The Pause button stops it until
// Resume; a hidden tab (document.visibilityState) fetches nothing, and refreshes at once when shown again.
"use strict";
(function () {
  var main = document.querySelector("main[data-auto-refresh]");
  var bar = document.querySelector(".refresh-bar");
  if (!main || !bar) { return; }
  var delay = Number(main.getAttribute("data-auto-refresh")) * 1000;
  var toggle = bar.querySelector(".refresh-toggle");
  var stateText = bar.querySelector(".refresh-state");
  var timer = null, paused = false, failed = false;

  function show(state, text) {
    bar.setAttribute("data-refresh-state", state);
    stateText.textContent = text;
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = null;
    var seconds = Math.round(delay / 100) / 10;
    if (paused) {
      show("paused", "; paused");
    } else if (document.visibilityState !== "visible") {
      show("hidden", "; paused while this tab is hidden");
    } else {
      show("running", failed ? "; the last refresh failed, trying again in " + seconds + " s"
                             : "; refreshing every " + seconds + " s");
      timer = window.setTimeout(refresh, delay);
    }
  }

  function refresh() {
    timer = null;
    fetch(window.location.href, { cache: "no-store", headers: { "Accept": "text/html" } })
      .then(function (response) {
        return response.text().then(function (html) { return { ok: response.ok, html: html }; });
      })
      .then(function (answer) {
        var page = new DOMParser().parseFromString(answer.html, "text/html");
        var fresh = page.querySelector("[data-refreshed]");
        var time = page.querySelector(".refresh-bar .refreshed-at");
        if (!answer.ok || !fresh || !time) { throw new Error("the console answered with an error page"); }
        document.querySelector("[data-refreshed]").replaceWith(fresh);
        bar.querySelector(".refreshed-at").replaceWith(time);
        failed = false;
      })
      .catch(function () { failed = true; })
      .then(schedule);
  }

  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    paused = !paused;
    toggle.textContent = paused ? "Resume" : "Pause";
    if (paused) { schedule(); } else { refresh(); }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !paused) { refresh(); } else { schedule(); }
  });
  schedule();
})();
