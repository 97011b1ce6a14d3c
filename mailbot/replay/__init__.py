"""`mailbot replay`: stored cases decided again under a changed config or register, in a throwaway store."""
