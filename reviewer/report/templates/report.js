/* Sortable tables and print support. No framework: the page must work offline under a strict CSP. */
(function () {
  "use strict";
  var NUMBER = /^-?\d+(\.\d+)?$/;

  function key(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var value = cell.getAttribute("data-sort");
    return (value === null ? cell.textContent : value).trim();
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (a === "") return 1; /* blanks last in either direction, handled by the caller */
    if (b === "") return -1;
    if (NUMBER.test(a) && NUMBER.test(b)) return parseFloat(a) - parseFloat(b);
    /* ISO dates and text: a plain, locale-aware comparison keeps 2025-01-02 before 2025-10-01. */
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function sortBy(table, th) {
    var index = th.cellIndex;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) {
      if (heads[i].querySelector("button")) heads[i].setAttribute("aria-sort", "none");
    }
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.map.call(body.rows, function (row, position) {
      return { row: row, key: key(row, index), position: position };
    });
    rows.sort(function (x, y) {
      if (x.key === "" || y.key === "") return compare(x.key, y.key) || x.position - y.position;
      var order = compare(x.key, y.key);
      return (ascending ? order : -order) || x.position - y.position;
    });
    rows.forEach(function (item) { body.appendChild(item.row); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.querySelectorAll("thead th button"), function (button) {
      button.addEventListener("click", function () { sortBy(table, button.closest("th")); });
    });
  });

  /* Printing opens every collapsed list, then restores what the reader had open. */
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });

  document.documentElement.setAttribute("data-js", "ready");
})();
