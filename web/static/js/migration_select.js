/*
 * The migration page: 全选 / 全不选 over the movable cases, and the count of those ticked (nothing is
 * ticked when the page opens: a supervisor picks what moves).
 */
(function () {
  'use strict';

  var form = document.getElementById('migration-form');
  if (!form) {
    return;
  }
  var boxes = form.querySelectorAll('input[type="checkbox"][name="cases"]');
  var count = form.querySelector('.selected-count');
  var english = (document.documentElement.getAttribute('lang') || '').indexOf('en') === 0;

  function update() {
    var n = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
    if (count) {
      count.textContent = english ? n + ' selected' : '已选 ' + n + ' 个';
    }
  }
  Array.prototype.forEach.call(form.querySelectorAll('[data-select]'), function (button) {
    button.addEventListener('click', function () {
      var on = button.getAttribute('data-select') === 'all';
      Array.prototype.forEach.call(boxes, function (b) { b.checked = on; });
      update();
    });
  });
  Array.prototype.forEach.call(boxes, function (b) { b.addEventListener('change', update); });
  update();
}());
