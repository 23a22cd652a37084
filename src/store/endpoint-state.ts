export type EndpointAdminState = 'active' | 'paused' | 'disabled';

export interface EndpointStateRecord {
  state: EndpointAdminState;
  changedAt: number;
}
