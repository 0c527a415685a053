/* The schedule form (安排组织生活): choosing the org or the party group reloads the form with that choice, so
   the party groups offered and the invited attendees (the branch's members, or the group's) follow it. */
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (!el.matches || !el.matches("select[data-schedule-reload]")) return;
    var form = el.form;
    var params = new URLSearchParams();
    ["org", "kind", "held_on", "party_group"].forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && field.value && !(name === "party_group" && el.name === "org")) params.set(name, field.value);
    });
    window.location.search = params.toString();
  });
})();
