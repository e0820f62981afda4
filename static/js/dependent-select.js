// A select whose choices depend on another (data-depends-on="id_city"): only the group of options
// labelled like the chosen entry of the other select is offered (唐山市 → 唐山's districts).
// Without a script the grouped list still works, and the server checks the pair.
(function () {
  "use strict";
  function follow(select) {
    var master = document.getElementById(select.dataset.dependsOn);
    if (!master) {
      return;
    }
    var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (group) {
      return group.cloneNode(true);
    });
    var blank = select.querySelector("option[value='']");
    blank = blank ? blank.cloneNode(true) : null;
    function update() {
      var chosen = master.options[master.selectedIndex];
      var label = chosen && chosen.value ? chosen.textContent.trim() : "";
      var current = select.value;
      select.innerHTML = "";
      if (blank) {
        select.appendChild(blank.cloneNode(true));
      }
      groups.forEach(function (group) {
        if (!label || group.label === label) {
          select.appendChild(group.cloneNode(true));
        }
      });
      select.value = current;
      if (select.value !== current) {
        select.value = "";
      }
    }
    master.addEventListener("change", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-depends-on]").forEach(follow);
  });
})();
