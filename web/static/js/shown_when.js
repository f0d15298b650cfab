/*
 * Task forms: a field the diagram declares as shown only for some answers of another field
 * (camunda:property shown_when="triage_decision=dispatch,whistle") is hidden while that other
 * field has any other answer. Only a convenience: the server checks every field either way,
 * and without JavaScript every field stays visible.
 */
(function () {
  'use strict';

  var dependents = document.querySelectorAll('[data-shown-when]');
  if (!dependents.length) {
    return;
  }

  function update() {
    dependents.forEach(function (input) {
      var controller = document.getElementById(input.getAttribute('data-shown-when'));
      var wrapper = input.closest('.field');
      if (!controller || !wrapper) {
        return;
      }
      var values = input.getAttribute('data-shown-values').split(',');
      // A field with an error stays visible whatever the answer: the person must see the message.
      wrapper.hidden = values.indexOf(controller.value) < 0 && !wrapper.classList.contains('has-error');
    });
  }

  var controllers = {};
  dependents.forEach(function (input) {
    controllers[input.getAttribute('data-shown-when')] = true;
  });
  Object.keys(controllers).forEach(function (id) {
    var controller = document.getElementById(id);
    if (controller) {
      controller.addEventListener('change', update);
    }
  });
  update();
}());
