/**
 * Renders Vega-Lite specs to SVG text in Node (Vega's headless renderer), so
 * the report carries finished pictures and no plotting code.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Vega's warnings (e.g. an empty series) would go to the console mid-command; the report says what it left out.
  const view = new View(parse(compile(spec).spec), { renderer: 'none', logLevel: 0 });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
