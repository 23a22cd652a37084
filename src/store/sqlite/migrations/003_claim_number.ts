/**
 * Each claim of a delivery gets the next number: the token its completion
 * must carry. The lease's expiry named a claim before, which fails when a
 * recovered delivery is claimed again with the same expiry (a restart within
 * the same millisecond, or a clock set back): the old claim's completion
 * would have been applied.
 */
export const claimNumber = `
ALTER TABLE deliveries ADD COLUMN claim INTEGER NOT NULL DEFAULT 0;
`;
