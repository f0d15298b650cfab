/*
 * Entry of the process editor bundle (web/static/vendor/bpmn-modeler/bpmn-modeler.min.js).
 *
 * A bpmn-js Modeler with the properties panel and the Camunda moddle extension, narrowed to what
 * casegrid runs and put in Chinese (src/casegrid/: the translations, the properties provider with
 * the lane role, timer picker, condition helper and form switch, and the model helpers they use).
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
import translateModule from './casegrid/translate';
import CasegridPropertiesProvider from './casegrid/provider';

function create(options) {
  return new BpmnModeler({
    container: options.container,
    keyboard: options.keyboard || undefined,
    propertiesPanel: { parent: options.propertiesParent },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
      translateModule(options.locale || 'zh'),
      { __init__: ['casegridPropertiesProvider'], casegridPropertiesProvider: ['type', CasegridPropertiesProvider] }
    ],
    moddleExtensions: { camunda: camundaModdle }
  });
}

window.BpmnModeler = BpmnModeler;
window.CasegridModeler = { create: create };
