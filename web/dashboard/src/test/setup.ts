import { configure } from '@testing-library/dom';

// CI machines are small and may be busy compiling: give async queries room.
configure({ asyncUtilTimeout: 5000 });
