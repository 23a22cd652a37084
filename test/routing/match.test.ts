import { describe, expect, it } from 'vitest';
import type { RouteConfig } from '../../src/config/schema.ts';
import { matchesFilter } from '../../src/routing/filter.ts';
import { RoutingTable } from '../../src/routing/match.ts';

const sendblueInbound = {
  content: 'Hello!',
  is_outbound: false,
  status: 'RECEIVED',
  message_handle: 'h-1',
  from_number: '+19998887777',
  media: { kind: 'image' },
};

describe('matchesFilter', () => {
  it('checks equality, in, not, exists and prefix against dot paths', () => {
    expect(matchesFilter({ is_outbound: { op: 'eq', value: false } }, sendblueInbound)).toBe(true);
    expect(matchesFilter({ is_outbound: { op: 'eq', value: true } }, sendblueInbound)).toBe(false);
    expect(matchesFilter({ status: { op: 'in', values: ['RECEIVED', 'SENT'] } }, sendblueInbound)).toBe(true);
    expect(matchesFilter({ status: { op: 'in', values: ['SENT'] } }, sendblueInbound)).toBe(false);
    expect(matchesFilter({ status: { op: 'not', value: 'ERROR' } }, sendblueInbound)).toBe(true);
    expect(matchesFilter({ status: { op: 'not', value: 'RECEIVED' } }, sendblueInbound)).toBe(false);
    expect(matchesFilter({ 'media.kind': { op: 'exists', value: true } }, sendblueInbound)).toBe(true);
    expect(matchesFilter({ 'media.size': { op: 'exists', value: true } }, sendblueInbound)).toBe(false);
    expect(matchesFilter({ 'media.size': { op: 'exists', value: false } }, sendblueInbound)).toBe(true);
    expect(matchesFilter({ from_number: { op: 'prefix', value: '+1999' } }, sendblueInbound)).toBe(true);
    expect(matchesFilter({ from_number: { op: 'prefix', value: '+44' } }, sendblueInbound)).toBe(false);
  });

  it('needs every condition to hold', () => {
    const filter = {
      is_outbound: { op: 'eq', value: false },
      status: { op: 'eq', value: 'SENT' },
    } as const;
    expect(matchesFilter(filter, sendblueInbound)).toBe(false);
  });

  it('matches form values, which are strings, against booleans and numbers', () => {
    const form = { is_outbound: 'false', bounces: '3' };
    expect(matchesFilter({ is_outbound: { op: 'eq', value: false } }, form)).toBe(true);
    expect(matchesFilter({ bounces: { op: 'in', values: [2, 3] } }, form)).toBe(true);
  });

  it('never matches a field of an opaque body, and does not read inherited properties', () => {
    expect(matchesFilter({ status: { op: 'exists', value: true } }, undefined)).toBe(false);
    expect(matchesFilter({ constructor: { op: 'exists' as const, value: true } }, {})).toBe(false);
  });
});

describe('RoutingTable', () => {
  const routes: RouteConfig[] = [
    {
      name: 'inbound',
      from: ['sendblue', 'textlink'],
      types: ['receive', 'received'],
      filter: { is_outbound: { op: 'eq', value: false } },
      to: ['crm', 'analytics'],
      threshold: undefined,
    },
    {
      name: 'everything',
      from: '*',
      types: '*',
      filter: undefined,
      to: ['analytics', 'archive'],
      threshold: undefined,
    },
    { name: 'ops', from: ['relay'], types: '*', filter: undefined, to: ['ops'], threshold: undefined },
  ];
  const table = new RoutingTable(routes, ['sendblue', 'textlink', 'mobiniti', 'relay']);

  it('fans out to every matched endpoint once, in route order', () => {
    expect(table.endpointsFor({ source: 'sendblue', type: 'receive', payload: sendblueInbound })).toEqual([
      'crm',
      'analytics',
      'archive',
    ]);
  });

  it('skips routes whose types or filter do not match', () => {
    expect(table.endpointsFor({ source: 'sendblue', type: 'outbound', payload: sendblueInbound })).toEqual([
      'analytics',
      'archive',
    ]);
    const outbound = { ...sendblueInbound, is_outbound: true };
    expect(table.endpointsFor({ source: 'textlink', type: 'received', payload: outbound })).toEqual([
      'analytics',
      'archive',
    ]);
  });

  it("sends relay's own events only where a route names them", () => {
    expect(table.endpointsFor({ source: 'relay', type: 'endpoint.disabled', payload: {} })).toEqual([
      'analytics',
      'archive',
      'ops',
    ]);
  });

  it('returns no endpoints when nothing matches', () => {
    const narrow = new RoutingTable([routes[0]!], ['sendblue', 'mobiniti']);
    expect(narrow.endpointsFor({ source: 'mobiniti', type: 'inbound', payload: {} })).toEqual([]);
  });
});
