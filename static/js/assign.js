// The assign forms (templates/assessments/_assign_fields.html): show only the schedule fields
// the chosen "When" uses, and add a box that filters the long time-zone list as one types.
// Progressive enhancement: without this script every field shows, the list is a plain select,
// and the form works the same, since the server ignores the fields a choice does not use.
// The filter box's label comes from the script tag (_assign_fields.html, {% translate %}).
(function () {
  "use strict";
  var words = document.currentScript ? document.currentScript.dataset : {};
  var WHEN_ONCE = ["start_date", "send_time", "time_zone"];
  var SHOWN = {
    now: [],
    once: WHEN_ONCE,
    every_n_weeks: WHEN_ONCE.concat(["interval_weeks", "end_date", "max_occasions"]),
    monthly: WHEN_ONCE.concat(["end_date", "max_occasions"])
  };

  function enhance(form) {
    var schedule = form.querySelector(".schedule-fields");
    var radios = form.querySelectorAll('input[name="when"]');
    if (!schedule || !radios.length) {
      return;
    }
    function update() {
      var chosen = form.querySelector('input[name="when"]:checked');
      var shown = SHOWN[chosen ? chosen.value : "now"] || SHOWN.every_n_weeks;
      schedule.hidden = shown.length === 0;
      schedule.querySelectorAll(".field").forEach(function (field) {
        var input = field.querySelector("input[name], select[name]");
        field.hidden = Boolean(input) && shown.indexOf(input.name) === -1;
      });
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  function normalised(text) {
    return text.toLowerCase().replace(/_/g, " ");
  }

  function addZoneFilter(select) {
    var options = Array.prototype.slice.call(select.querySelectorAll("option"));
    var label = document.createElement("label");
    var box = document.createElement("input");
    box.type = "search";
    box.id = select.id + "_filter";
    box.className = "zone-filter";
    box.autocomplete = "off";
    box.setAttribute("aria-controls", select.id);
    label.htmlFor = box.id;
    label.className = "zone-filter-label";
    label.textContent = words.zoneFilter || "";
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var wanted = normalised(box.value.trim());
      var first = null;
      options.forEach(function (option) {
        var match = !wanted || normalised(option.value + " " + option.text).indexOf(wanted) !== -1;
        option.hidden = !match;
        if (match && option.value && !first) {
          first = option;
        }
      });
      var current = select.options[select.selectedIndex];
      if (wanted && first && (!current || current.hidden)) {
        first.selected = true;
      }
    });
  }

  document.querySelectorAll("form.assign-form").forEach(enhance);
  document.querySelectorAll("select.time-zone-select").forEach(addZoneFilter);
})();
