// The XMP packet that carries Atelier's provenance in JPEG and WebP files: one `atelier:provenance` property
// (the JSON record as text) and `xmp:CreatorTool`. A plain RDF/XML packet any XMP reader (exifr, ExifTool,
// Adobe's) parses. The JSON needs no XML escaping: `<`, `>` and `&` can only occur inside its strings, where
// they are written as the JSON escapes \u003c, \u003e and \u0026 (some readers, exifr among them, do not
// decode XML entities, so the text must read the same either way).
import { PROVENANCE_XMP_NAMESPACE } from '../../../../shared/provenance';

/** Element text: `"` needs no escaping there (and some readers would keep `&quot;` as it is). */
function escapeXml(text: string): string {
  return (
    text
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      // Characters XML 1.0 cannot hold at all (other C0 controls); JSON.stringify escapes them already.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters refused.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
  );
}

/** JSON text that holds no XML markup character (same value for JSON.parse). */
export function xmlSafeJson(json: string): string {
  return json.replaceAll('<', '\\u003c').replaceAll('>', '\\u003e').replaceAll('&', '\\u0026');
}

export function provenanceXmp(provenanceJson: string, creatorTool: string): string {
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    `  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:atelier="${PROVENANCE_XMP_NAMESPACE}">`,
    `   <xmp:CreatorTool>${escapeXml(creatorTool)}</xmp:CreatorTool>`,
    `   <atelier:provenance>${escapeXml(xmlSafeJson(provenanceJson))}</atelier:provenance>`,
    '  </rdf:Description>',
    ' </rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
  ].join('\n');
}

/**
 * The provenance JSON made to fit `maxBytes` of XMP: when the whole record does not, the template's values, then
 * the prompt and negative (which the A1111 text beside it carries anyway) are emptied and named in `omitted`.
 */
export function fitProvenanceXmp(provenanceJson: string, creatorTool: string, maxBytes: number): string {
  const whole = provenanceXmp(provenanceJson, creatorTool);
  if (Buffer.byteLength(whole, 'utf8') <= maxBytes) return whole;
  const record = JSON.parse(provenanceJson) as {
    request: { prompt: string; negativePrompt: string };
    template: { values: Record<string, unknown> } | null;
    omitted?: string[];
  };
  const omitted: string[] = [];
  if (record.template) {
    record.template.values = {};
    omitted.push('template.values');
  }
  record.omitted = omitted;
  let packet = provenanceXmp(JSON.stringify(record), creatorTool);
  if (Buffer.byteLength(packet, 'utf8') > maxBytes) {
    record.request.prompt = '';
    record.request.negativePrompt = '';
    omitted.push('request.prompt', 'request.negativePrompt');
    packet = provenanceXmp(JSON.stringify(record), creatorTool);
  }
  return packet;
}
