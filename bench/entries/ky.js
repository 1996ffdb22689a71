export { default } from 'ky';
