// Names the admin's script-built widgets, which axe would otherwise fail (serious). Both widgets are built by the
// time the window's load event has run its other listeners, so this runs just after them.
//
// - The filter widget (SelectFilter2.js, "filter_horizontal") puts aria-label on a plain <span> inside the search
//   box's <label> (aria-prohibited-attr): as an image with that text the span names the box, as intended.
// - An autocomplete field (select2) is a combobox named only by its current value, empty when nothing is chosen
//   (aria-input-field-name): it and the value shown inside it are named by the field's own <label>.
// - An inline row that is not saved yet (added with 「追加」, or an empty extra row) gets inlines.js's remove link,
//   named only 「削除」: it is named after its row, 「3行目を削除」, as core.admin_site.LabelledDeleteFormSet names
//   the rendered rows' checkboxes. The words come from the script tag (data-row, data-delete), translated there.
(function () {
  var script = document.currentScript;
  var rowWords = (script && script.getAttribute("data-row")) || "%(n)s";
  var deleteWords = (script && script.getAttribute("data-delete")) || "%(row)s";

  function labelRemoveLinks() {
    document.querySelectorAll("a.inline-deletelink").forEach(function (link) {
      var row = link.closest("tr.form-row, .inline-related");
      var index = row && /-(\d+)$/.exec(row.id || "");
      if (!index) return;
      var words = rowWords.replace("%(n)s", String(Number(index[1]) + 1));
      link.setAttribute("aria-label", deleteWords.replace("%(row)s", words));
    });
  }

  // formset:added bubbles from the new row once it is numbered; formset:removed fires before the rows after the
  // removed one are renumbered, so the labels follow on the next turn.
  document.addEventListener("formset:added", labelRemoveLinks);
  document.addEventListener("formset:removed", function () {
    setTimeout(labelRemoveLinks, 0);
  });
  window.addEventListener("load", function () {
    setTimeout(labelRemoveLinks, 0);
  });
})();

window.addEventListener("load", function () {
  setTimeout(function () {
    document.querySelectorAll("span.search-label-icon[aria-label]").forEach(function (span) {
      span.setAttribute("role", "img");
    });
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = select.id && document.querySelector('label[for="' + select.id + '"]');
      var box = select.parentNode.querySelector('.select2-selection[role="combobox"]');
      if (!label || !box) return;
      label.id = label.id || select.id + "_label";
      var value = box.getAttribute("aria-labelledby") || "";
      if (value.split(" ").indexOf(label.id) === -1) {
        box.setAttribute("aria-labelledby", (label.id + " " + value).trim());
      }
      // The value inside is a read-only textbox of its own, named by the same label.
      var shown = box.querySelector('[role="textbox"]');
      if (shown && !shown.hasAttribute("aria-label")) shown.setAttribute("aria-label", label.textContent.trim());
    });
  }, 0);
});
