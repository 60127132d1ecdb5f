/**
 * scripts/gen-spec: the pieces that turn Asterisk's XML documentation into the spec documents, on
 * documentation written here (the generator itself runs on an Asterisk checkout, which CI does not
 * have). The rendering is held against Asterisk 20.20.1's own `manager show command` text for QueueAdd
 * as spec/ami-actions-docs.json records it; the rest against main/xmldoc.c's rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseXml, elements, type XmlElement } from '../../scripts/gen-spec/xml.js';
import { applyTransform, resolveIncludes, xpointer } from '../../scripts/gen-spec/source.js';
import {
  buildField,
  cleanup,
  managerSyntax,
  printable,
  showCommandText,
} from '../../scripts/gen-spec/xmldoc.js';

const ROOT = join(import.meta.dirname, '..', '..');

function docs(xml: string): XmlElement {
  const root = parseXml(`<docs>${xml}</docs>`, 'test.xml');
  return elements(root, 'docs')[0];
}

test('QueueAdd renders as Asterisk 20.20.1 printed it (synopsis, wrapping, empty argument left out)', () => {
  const d = docs(`
	<manager name="Login" language="en_US" module="builtin">
		<syntax><parameter name="ActionID"><para>ActionID for this transaction. Will be returned.</para></parameter></syntax>
	</manager>
	<manager name="QueueAdd" language="en_US" module="app_queue">
		<since><version>1.0.0</version></since>
		<synopsis>
			Add interface to queue.
		</synopsis>
		<syntax>
			<xi:include xpointer="xpointer(/docs/manager[@name='Login']/syntax/parameter[@name='ActionID'])" />
			<parameter name="Queue" required="true"><para>Queue's name.</para></parameter>
			<parameter name="Interface" required="true">
				<para>The name of the interface (tech/name) to add to the queue.</para>
			</parameter>
			<parameter name="Penalty">
				<para>A penalty (number) to apply to this member. Asterisk will distribute calls to members with higher
				penalties only after attempting to distribute calls to those with lower penalty.</para>
			</parameter>
			<parameter name="Paused"><para>To pause or not the member initially (true/false or 1/0).</para></parameter>
			<parameter name="Reason"><para>Text description why the member is paused.</para></parameter>
			<parameter name="MemberName"><para>Text alias for the interface.</para></parameter>
			<parameter name="StateInterface" />
		</syntax>
		<description>
		</description>
	</manager>`);
  resolveIncludes(d);
  const item = elements(d, 'manager')[1];
  const spec = JSON.parse(readFileSync(join(ROOT, 'spec/ami-actions-docs.json'), 'utf8')) as {
    actions: Array<{ name: string; cliText: string; synopsis: string }>;
  };
  const want = spec.actions.find((a) => a.name === 'QueueAdd');
  assert.ok(want);
  assert.equal(buildField(item, 'synopsis', true), want.synopsis);
  assert.equal(showCommandText('QueueAdd', item, 'agent,all'), want.cliText);
});

test('printable: markup to marks; lines wrap at 79 columns, back to the last blank, with the indent', () => {
  assert.equal(
    printable(
      '<replaceable>x</replaceable> <literal>y</literal> <variable>V</variable> <emphasis>e</emphasis>',
    ),
    "<x> 'y' ${V} *e*",
  );
  const words = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');
  const wrapped = printable('head\n    ' + words);
  const lines = wrapped.split('\n');
  assert.ok(
    lines.every((l) => l.length <= 80),
    wrapped,
  );
  assert.equal(lines[0], 'head');
  assert.ok(
    lines.length > 2 && lines.slice(1).every((l) => l.startsWith('    w')),
    'continuation lines keep the indent',
  );
  // The first line of the whole text starts with a colour code in Asterisk: its blanks are not repeated.
  const first = printable(' ' + words + ' ' + words).split('\n');
  assert.ok(first[1].startsWith('w'), first.join('\n'));
  assert.equal(cleanup('a\n\t\t\tb\n\n\tc  ', true, false), 'a b c');
});

test('managerSyntax: required and optional parameters; events default to required', () => {
  const d =
    docs(`<manager name="A"><syntax><parameter name="X" required="true"/><parameter name="Y"/></syntax></manager>
    <managerEventInstance><syntax><parameter name="Z"/><parameter name="W" required="no"/></syntax></managerEventInstance>`);
  assert.equal(managerSyntax(elements(d)[0], 'A', 'Action'), 'Action: A\nX: <value>\n[Y:] <value>');
  assert.equal(managerSyntax(elements(d)[1], 'E', 'Event'), 'Event: E\nZ: <value>\n[W:] <value>');
});

test('xpointer, xi:include and the transform: snapshots become parameters, children sorted by tech', () => {
  const d = docs(`
    <managerEvent name="Base"><managerEventInstance><syntax><parameter name="P1"/><parameter name="P2"/></syntax></managerEventInstance></managerEvent>
    <managerEvent name="Uses"><managerEventInstance><syntax>
      <channel_snapshot prefix="Dest"/>
      <xi:include xpointer="xpointer(/docs/managerEvent[@name='Base']/managerEventInstance/syntax/parameter)" />
    </syntax></managerEventInstance></managerEvent>
    <info name="I"><para tech="Z">z</para><para>plain</para><para tech="A">a</para></info>`);
  assert.equal(
    xpointer(d, "xpointer(/docs/managerEvent[@name='Base']/managerEventInstance/syntax/parameter)").length,
    2,
  );
  resolveIncludes(d);
  const tpl = parseXml(
    `<xsl:element name="parameter"><xsl:attribute name="name"><xsl:value-of select="concat(@prefix,'Channel')"/></xsl:attribute>` +
      `<para>state of <xsl:value-of select="concat(@prefix,'ChannelState')"/></para></xsl:element>`,
  );
  applyTransform(d, new Map([['channel_snapshot', elements(tpl)]]));
  const syntax = elements(
    elements(elements(elements(d, 'managerEvent')[1], 'managerEventInstance')[0], 'syntax')[0],
  );
  assert.deepEqual(
    syntax.map((p) => p.attrs.get('name')),
    ['DestChannel', 'P1', 'P2'],
  );
  const info = elements(d, 'info')[0];
  assert.deepEqual(
    elements(info).map((p) => p.attrs.get('tech') ?? '-'),
    ['-', 'A', 'Z'],
  );
});
