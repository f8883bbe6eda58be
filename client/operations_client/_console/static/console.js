// opsctl console: while an operation runs, refresh its page in place. The page is fetched again from the
// console (never from the API: the browser holds no credentials) and its <main> swapped in; open <details>
// stay open. The interval starts at 2 s and grows by half each time nothing changed, up to 30 s; a change
// brings it back to 2 s. The page stops refreshing once the operation is finished.
"use strict";
(function () {
  var FIRST_DELAY = 2000, MAX_DELAY = 30000, GROWTH = 1.5;
  var delay = FIRST_DELAY;

  function current() { return document.querySelector("main[data-refresh]"); }

  function openDetails(main) {
    return Array.prototype.map.call(main.querySelectorAll("details[open][id]"), function (d) { return d.id; });
  }

  function announce(text) {
    var slot = document.querySelector(".next-refresh");
    if (slot) { slot.textContent = text; }
  }

  function schedule() {
    announce(" (next in " + Math.round(delay / 1000) + " s)");
    window.setTimeout(refresh, delay);
  }

  function swap(main, fresh, title) {
    var open = openDetails(main);
    main.replaceWith(fresh);
    open.forEach(function (id) {
      var details = document.getElementById(id);
      if (details) { details.open = true; }
    });
    document.title = title;
  }

  function refresh() {
    var main = current();
    if (!main) { return; }
    fetch(window.location.href, { cache: "no-store", headers: { "Accept": "text/html" } })
      .then(function (response) {
        return response.text().then(function (html) { return { ok: response.ok, html: html }; });
      })
      .then(function (answer) {
        var page = new DOMParser().parseFromString(answer.html, "text/html");
        var fresh = page.querySelector("main");
        if (!answer.ok || !fresh) { throw new Error("the console answered with an error page"); }
        var changed = fresh.getAttribute("data-etag") !== main.getAttribute("data-etag");
        swap(main, fresh, page.title);
        delay = changed ? FIRST_DELAY : Math.min(delay * GROWTH, MAX_DELAY);
        if (current()) { schedule(); }
      })
      .catch(function () {
        delay = Math.min(delay * GROWTH, MAX_DELAY);
        announce(" (the last refresh failed; trying again in " + Math.round(delay / 1000) + " s)");
        window.setTimeout(refresh, delay);
      });
  }

  if (current()) { schedule(); }
})();
