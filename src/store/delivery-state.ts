export type DeliveryState = 'pending' | 'in_flight' | 'delivered' | 'dead' | 'dropped';
export const deliveryStates: readonly DeliveryState[] = [
  'pending',
  'in_flight',
  'delivered',
  'dead',
  'dropped',
];
