// axios alone, measured apart: its users load it whether or not they add a refresh plugin.
export { default } from 'axios';
