// The child whose record was just removed, so the register's page can offer to undo it.
export const lastRemoved = $state<{ child: { id: string; name: string } | null }>({ child: null });
