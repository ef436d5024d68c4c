/** EC2 and RDS both take tags as [{Key, Value}]; the actions build them from plain records. */
export const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
