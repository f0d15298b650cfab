/*
 * Entry of the process editor bundle (web/static/vendor/bpmn-modeler/bpmn-modeler.min.js).
 *
 * A bpmn-js Modeler with the properties panel and the Camunda moddle extension, so a
 * supervisor can edit lanes, gateway conditions, timers and `camunda:formData` form fields.
 * The page script (web/static/js/process_editor.js) builds it through
 * `window.CasegridModeler.create(...)`; `window.BpmnModeler` is the class itself.
 */
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

function create(options) {
  return new BpmnModeler({
    container: options.container,
    keyboard: options.keyboard || undefined,
    propertiesPanel: { parent: options.propertiesParent },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule
    ],
    moddleExtensions: { camunda: camundaModdle }
  });
}

window.BpmnModeler = BpmnModeler;
window.CasegridModeler = { create: create };
